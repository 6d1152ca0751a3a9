"""The cohort: the data contract, validation, loading, mapping, availability and the generator."""
