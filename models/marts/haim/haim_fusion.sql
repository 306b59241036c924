{#- HAIM's whole table: one row per (HAIM sample, chest X-ray of the sample's hospital admission), the tabular
    columns of marts.haim_embeddings with HAIM's model columns inserted where HAIM's file has them (image
    blocks after de_5, note blocks after the time-series features), in HAIM's column order, then subject_id,
    hadm_id, stay_id. Column lists come from haim_embeddings' documented columns and the seed
    haim_fusion_vectors. -#}
-- depends_on: {{ ref('haim_fusion_vectors') }}
{%- set ids = ['subject_id', 'hadm_id', 'stay_id'] %}
{%- set blocks = haim_fusion_vector_blocks() %}
{%- set tabular = haim_embeddings_columns() %}
with

tabular as (
    select * from {{ ref('haim_embeddings') }}
),

vectors as (
    select * from {{ ref('int_haim_fusion_vectors') }}
)

select
    {%- for column in tabular if column not in ids %}
        {%- if column == 'split' %}
            {{- haim_fusion_block_columns(blocks, 'after_series') }}
        {%- endif %}
        tabular.{{ quoted(column) }},
        {%- if column == 'de_5' %}
            {{- haim_fusion_block_columns(blocks, 'after_demographics') }}
        {%- endif %}
    {%- endfor %}
    {%- for column in ids %}
        tabular.{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from tabular
left join vectors
    on tabular.haim_id = vectors.haim_id and tabular.img_id = vectors.img_id
