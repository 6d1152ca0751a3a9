"""Running and evaluating the term: calendar, registers, monitoring, calibration, evaluation."""
