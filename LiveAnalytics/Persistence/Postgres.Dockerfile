# PostgreSQL with the hll extension (unique-visitor sketches). The official image has the PGDG apt repository.
FROM postgres:17
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-17-hll && rm -rf /var/lib/apt/lists/*
