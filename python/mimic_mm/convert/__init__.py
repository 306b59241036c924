"""Raw PhysioNet releases -> typed Parquet lake (`python -m convert`); see docs/architecture.md section 2."""
