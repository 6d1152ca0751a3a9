"""Study and social groups (settings, rules, prepare, model, blocks, search, check, edit, view)."""
