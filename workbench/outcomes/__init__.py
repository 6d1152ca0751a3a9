"""What a plan achieves: coverage and equity, costs, charts."""
