"""PASS: weekly sessions in high-risk modules led by trained students (settings, instance, model, solve)."""
