-- First start of PostgreSQL (docker-compose and the Helm chart's in-cluster mode): one database per service (no
-- service reads another's tables).
CREATE DATABASE gateway;
CREATE DATABASE rag;
CREATE DATABASE billing;
\connect rag
CREATE EXTENSION IF NOT EXISTS vector;
