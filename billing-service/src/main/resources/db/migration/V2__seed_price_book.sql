-- Seed data: reference list prices (USD per 1M tokens) and typical hardware rental prices. Both are starting
-- points, editable through the admin API; a change is a new price version, so past reports keep their prices.

INSERT INTO hardware_profile (id, accelerator, accelerator_count, usd_per_hour, description) VALUES
    ('h100',        'NVIDIA H100 80GB',  1, 2.9500, 'typical on-demand rental price per GPU-hour'),
    ('h100x8',      'NVIDIA H100 80GB',  8, 2.9500, 'one 8-GPU H100 node, typical on-demand rental price per GPU-hour'),
    ('h200',        'NVIDIA H200 141GB', 1, 3.5000, 'typical on-demand rental price per GPU-hour'),
    ('h200x8',      'NVIDIA H200 141GB', 8, 3.5000, 'one 8-GPU H200 node, typical on-demand rental price per GPU-hour'),
    ('cpu-server',  'CPU server (2 sockets, 64 cores, 512 GB)', 1, 1.2000,
                    'typical monthly dedicated-server rent expressed per hour');

-- List prices as published by the vendors (cached input = prompt-cache hits). Effective from 2024-01-01 so that any
-- traffic in the ledger has a reference price.
INSERT INTO price_version (model, kind, input_per_million, cached_input_per_million, output_per_million,
                           effective_from, source, source_date) VALUES
    ('gpt-4o',            'reference',  2.50, 1.25, 10.00, '2024-01-01T00:00:00Z', 'OpenAI API list price', '2025-06-10'),
    ('gpt-4.1',           'reference',  2.00, 0.50,  8.00, '2024-01-01T00:00:00Z', 'OpenAI API list price', '2025-06-10'),
    ('o1',                'reference', 15.00, 7.50, 60.00, '2024-01-01T00:00:00Z', 'OpenAI API list price', '2025-06-10'),
    ('o3',                'reference',  2.00, 0.50,  8.00, '2024-01-01T00:00:00Z', 'OpenAI API list price', '2025-06-10'),
    ('claude-sonnet',     'reference',  3.00, 0.30, 15.00, '2024-01-01T00:00:00Z', 'Anthropic API list price', '2025-06-10'),
    ('deepseek-chat',     'reference',  0.27, 0.07,  1.10, '2024-01-01T00:00:00Z', 'DeepSeek API list price (cache miss/hit)', '2025-06-10'),
    ('deepseek-reasoner', 'reference',  0.55, 0.14,  2.19, '2024-01-01T00:00:00Z', 'DeepSeek API list price (cache miss/hit)', '2025-06-10');
