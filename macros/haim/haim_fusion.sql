{#- Helpers of HAIM's whole table (marts.haim_fusion). -#}

{#- [(column_prefix, vector_length, placement, data_type)] of the model column blocks, in HAIM's order, from the
    seed haim_fusion_vectors, read at run time so the 4,408 column names are never typed. -#}
{% macro haim_fusion_vector_blocks() %}
    {%- if execute is not defined -%}
        {#- sqlfluff's templater: no database; one short stand-in block per placement keeps the SQL parseable. -#}
        {{ return([('vd', 1, 'after_demographics', 'float'), ('n_rad', 1, 'after_series', 'double')]) }}
    {%- elif not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select column_prefix, vector_length, placement, data_type
        from {{ ref('haim_fusion_vectors') }}
        order by block_position
    {%- endset -%}
    {%- set blocks = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do blocks.append((row[0], row[1], row[2], row[3])) -%}
    {%- endfor -%}
    {{ return(blocks) }}
{% endmacro %}

{#- The documented columns of marts.haim_embeddings, in order (its contract is enforced, so they are the
    table's columns). -#}
{% macro haim_embeddings_columns() %}
    {%- if execute is not defined -%}
        {{ return(['haim_id', 'img_id', 'de_5', 'ts_ce_0', 'split', 'subject_id', 'hadm_id', 'stay_id']) }}
    {%- elif not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.haim_embeddings'] -%}
    {{ return(node.columns.keys() | list) }}
{% endmacro %}

{#- `cast(vectors.<prefix>[k + 1] as <type>) as <prefix>_<k>,` for every column of the blocks of one placement
    (vectors: the relation holding one list per block, named by its prefix). -#}
{% macro haim_fusion_block_columns(blocks, placement) %}
    {%- for prefix, length, where, data_type in blocks if where == placement %}
        {%- for k in range(length) %}
        cast(vectors.{{ prefix }}[{{ k + 1 }}] as {{ data_type }}) as {{ prefix }}_{{ k }},
        {%- endfor %}
    {%- endfor %}
{% endmacro %}

{#- vmd or vmp of a row of int_haim_fusion_image_means (`averaged`): HAIM's weighted `mean` of a vector of
    `length` values, with its fallbacks: NULL before any vector exists or when a bounded image has none, zeros
    for an untimed image, all images at one time (max adjusted time 0) or a NaN in the mean. -#}
{% macro haim_image_mean_or_zeros(mean, length) %}
    case
        when {{ length }} is null then null
        when averaged.n_untimed > 0 then {{ list_zeros(length) }}
        when averaged.n_embedded < averaged.n_images then null
        when averaged.max_adjusted = 0 or {{ list_has_nan(mean) }}
            then {{ list_zeros(length) }}
        else {{ mean }}
    end
{% endmacro %}
