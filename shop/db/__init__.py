"""Building blocks every app uses: ids, base models, soft delete, constraints, the backend."""
