"""The command line: parser, workspace, command handlers and the line mode."""
