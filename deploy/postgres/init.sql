-- First start of the compose PostgreSQL: one database per service (no service reads another's tables).
CREATE DATABASE gateway;
CREATE DATABASE rag;
CREATE DATABASE billing;
\connect rag
CREATE EXTENSION IF NOT EXISTS vector;
