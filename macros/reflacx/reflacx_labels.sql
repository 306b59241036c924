{#- REFLACX label merge, driven by the reflacx_label_map seed (phase, source_column -> target_label).

    reflacx_label_map_rows: the seed's rows, read at compile time (empty before the seed is loaded, e.g. in
    `dbt parse`), so the label columns are never typed in SQL.
    reflacx_labels_merged: long form, one row per key (case, or case x ellipse) and target label, for the 21
    targets. Certainty labels: max certainty over the sources (absent or empty = 0). Booleans: OR (absent =
    false). Other (text at case level): the text, kept as is. At ellipse level every label is a boolean. -#}
{% macro reflacx_label_map_rows() %}
    {#- ref() first, outside any condition, so dbt records the dependency at parse time. -#}
    {%- set seed = ref('reflacx_label_map') -%}
    {%- if execute is not defined -%}
        {#- Rendered by sqlfluff's templater (no database): a stand-in row keeps the SQL parseable. -#}
        {{ return([{'phase': 1, 'source_column': 'placeholder', 'label_kind': 'certainty',
            'target_label': 'Placeholder', 'target_position': 1}]) }}
    {%- endif -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {#- Read the loaded seed itself (in a unit test ref() is the fixture, which run_query cannot see). -#}
    {#- Unit tests get an empty graph: fall back to the seeds schema that dbt_project.yml configures. -#}
    {%- set node = (graph.get('nodes') or {}).get('seed.' ~ project_name ~ '.reflacx_label_map') -%}
    {%- if node -%}
        {%- set loaded = adapter.get_relation(node.database, node.schema, node.alias or node.name) -%}
    {%- else -%}
        {%- set loaded = adapter.get_relation(target.database, 'seeds', 'reflacx_label_map') -%}
    {%- endif -%}
    {%- if loaded is none -%}{{ return([]) }}{%- endif -%}
    {%- set result = run_query(
        'select phase, source_column, label_kind, target_label, target_position from ' ~ loaded
        ~ ' order by target_position, phase, source_column') -%}
    {{ return(result.rows) }}
{% endmacro %}

{% macro reflacx_target_labels() %}
    {%- set targets = [] -%}
    {%- for row in reflacx_label_map_rows() if row['target_label'] not in targets | map(attribute=0) | list -%}
        {%- do targets.append((row['target_label'], row['label_kind'])) -%}
    {%- endfor -%}
    {{ return(targets) }}
{% endmacro %}

{% macro reflacx_labels_merged(relation, key_columns, level) %}
    {%- set columns = [] -%}
    {%- for row in reflacx_label_map_rows() if (row['source_column'], row['label_kind']) not in columns -%}
        {%- do columns.append((row['source_column'], row['label_kind'])) -%}
    {%- endfor -%}
    {%- set keys = key_columns | join(', ') -%}
with

labelled as (
    select * from {{ relation }}
),

label_map as (
    select
        phase,
        source_column,
        target_label,
        target_position,
        {{ "'boolean'" if level == 'ellipse' else 'label_kind' }} as label_kind
    from {{ ref('reflacx_label_map') }}
),

targets as (
    select distinct
        target_label,
        target_position,
        label_kind
    from label_map
),

source_values as (
{%- for column, kind in columns %}
    select
        {{ keys }},
        phase,
        '{{ column }}' as source_column,
        {{ 'cast(' ~ column ~ ' as integer)' if (kind == 'certainty' and level == 'case') else 'null' }}
            as certainty,
        {{ 'cast(' ~ column ~ ' as boolean)' if (kind == 'boolean' or level == 'ellipse') else 'null' }} as flag,
        {{ 'cast(' ~ column ~ ' as varchar)' if (kind == 'text' and level == 'case') else 'null' }} as other_text
    from labelled
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
),

merged as (
    select
        {% for key in key_columns %}source_values.{{ key }}, {% endfor %}
        label_map.target_label,
        max(coalesce(source_values.certainty, 0)) as certainty,
        max(case when source_values.flag then 1 else 0 end) = 1 as flag,
        max(source_values.other_text) as other_text
    from source_values
    inner join label_map
        on
            source_values.phase = label_map.phase
            and source_values.source_column = label_map.source_column
    group by {% for key in key_columns %}source_values.{{ key }}, {% endfor %}label_map.target_label
),

keys as (
    select distinct
        {{ keys }},
        phase
    from labelled
)

select
    {% for key in key_columns %}keys.{{ key }}, {% endfor %}
    keys.phase,
    targets.target_label as label,
    targets.target_position as label_position,
    targets.label_kind,
    case when targets.label_kind = 'certainty' then coalesce(merged.certainty, 0) end as certainty,
    case when targets.label_kind = 'boolean' then coalesce(merged.flag, false) end as flag,
    case when targets.label_kind = 'text' then merged.other_text end as other_text
from keys
cross join targets
left join merged
    on
        {% for key in key_columns %}keys.{{ key }} = merged.{{ key }} and {% endfor %}
        targets.target_label = merged.target_label
{% endmacro %}

{#- Wide form of a long merged-label model: one column per target label under its exact published name. -#}
{% macro reflacx_labels_pivoted(long_relation, key_columns, level) %}
    {%- set targets = reflacx_target_labels() %}
select
    {% for key in key_columns %}long_labels.{{ key }},
    {% endfor -%}
    {%- for label, kind in targets %}
    {%- set value = 'flag' if (level == 'ellipse' or kind == 'boolean') else (
        'other_text' if kind == 'text' else 'certainty') %}
    max(case when long_labels.label = '{{ label }}' then long_labels.{{ value }} end)
        as {{ quoted(label) }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ long_relation }} as long_labels
group by {% for key in key_columns %}long_labels.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
{% endmacro %}

{#- `alias."<label>"` for the 21 target labels, comma-separated. -#}
{% macro reflacx_target_columns(alias) %}
    {%- set items = [] -%}
    {%- for label, kind in reflacx_target_labels() -%}
        {%- do items.append(alias ~ '.' ~ quoted(label)) -%}
    {%- endfor -%}
    {{ items | join(',\n    ') }}
{% endmacro %}
