"""The study engine both front ends drive: grading, scheduling, sessions."""
