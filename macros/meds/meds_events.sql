{#- MEDS events of one source, from the event list in the calling model's yml (config.meta.meds_events), so
    that the events are data, not copy-pasted SQL. Each entry, with the official MIMIC-IV ETL's semantics
    (MIMIC_IV_MEDS/event_configs.yaml, MEDS-Extract 0.7):
      name:    the event block (kept as event_source, `<source>.<name>`)
      code:    a template; `{col}` is a component (a NULL component drops the row), `{col ?? UNK}` renders
               NULL as the literal after `??`; anything else is literal text
      time:    a column or expression of the prepared rows; absent = a static event (NULL time); a row with a
               NULL time is dropped otherwise
      numeric, text: columns or expressions for numeric_value / text_value (absent = NULL); when both are
               given, a text that equals the number as float32 becomes NULL (do_dedup_text_and_numeric)
      link:    {column: expression} for the linking columns (hadm_id, stay_id, ed_stay_id, note_id,
               image_path, dicom_id, study_id); the others are NULL
      where:   a condition on the prepared rows (for example a measured item being present)
      keep:    further columns the official ETL writes for this event; rows equal in every written column
               are one event (its `unique`), so they take part in the DISTINCT and are then dropped
    `prepared` names the CTE (or relation) holding one row per source row with those columns. -#}
{% macro meds_events(prepared) %}
{%- if execute is not defined -%}
    {#- sqlfluff's templater has no dbt config: a stand-in select keeps the SQL parseable. -#}
    select * from {{ prepared }}
{%- else -%}
{%- set meta = config.get('meta') or {} -%}
{%- set events = meta.get('meds_events', []) -%}
{%- set source = meta.get('meds_source', this.name if this is defined else 'source') -%}
{%- if execute and not events -%}
    {{ exceptions.raise_compiler_error('meds_events: ' ~ model.name ~ ' lists no meds_events in its yml meta') }}
{%- endif -%}
{%- for event in events %}
select
    subject_id,
    time,
    code,
    numeric_value,
    text_value,
{%- for column, type in meds_link_columns() %}
    {{ column }},
{%- endfor %}
    '{{ source }}.{{ event.name }}' as event_source
from (
    select distinct
        cast(subject_id as bigint) as subject_id,
        {{ meds_time(event.get('time')) }} as time,
        {{ meds_code(event.code) }} as code,
        {{ meds_numeric(event.get('numeric')) }} as numeric_value,
        {{ meds_text(event.get('text'), event.get('numeric')) }} as text_value,
{%- for column, type in meds_link_columns() %}
        cast({{ event.get('link', {}).get(column, 'null') }} as {{ type }}) as {{ column }},
{%- endfor %}
{%- for kept in event.get('keep', []) %}
        {{ kept }} as keep_{{ loop.index }},
{%- endfor %}
        1 as one
    from {{ prepared }}
{%- if event.get('where') %}
    where {{ event.where }}
{%- endif %}
) as {{ event.name }}_rows
where code is not null{% if event.get('time') is not none %} and time is not null{% endif %}
{% if not loop.last %}
union all
{% endif -%}
{%- endfor -%}
{%- endif -%}
{% endmacro %}

{#- The linking columns every event row carries, with their types. -#}
{% macro meds_link_columns() %}
{{ return([('hadm_id', 'bigint'), ('stay_id', 'bigint'), ('ed_stay_id', 'bigint'), ('note_id', 'varchar'),
           ('image_path', 'varchar'), ('dicom_id', 'varchar'), ('study_id', 'bigint')]) }}
{% endmacro %}

{#- A code template as SQL: literal text and components joined by ||, which propagates a NULL component. -#}
{% macro meds_code(template) -%}
{%- set parts = [] -%}
{%- set pieces = template.split('{') -%}
{%- if pieces[0] %}{% do parts.append("'" ~ pieces[0] | replace("'", "''") ~ "'") %}{% endif -%}
{%- for piece in pieces[1:] -%}
    {%- set inner, rest = piece.split('}', 1) -%}
    {%- if '??' in inner -%}
        {%- set column, fallback = inner.split('??', 1) -%}
        {%- do parts.append("coalesce(cast(" ~ column.strip() ~ " as varchar), '" ~ fallback.strip() ~ "')") -%}
    {%- else -%}
        {%- do parts.append("cast(" ~ inner.strip() ~ " as varchar)") -%}
    {%- endif -%}
    {%- if rest %}{% do parts.append("'" ~ rest | replace("'", "''") ~ "'") %}{% endif -%}
{%- endfor -%}
({{ parts | join(' || ') }})
{%- endmacro %}

{% macro meds_time(expression) -%}
{%- if expression is none -%}cast(null as timestamp){%- else -%}cast({{ expression }} as timestamp){%- endif -%}
{%- endmacro %}

{% macro meds_numeric(expression) -%}
{%- if expression is none -%}cast(null as double){%- else -%}cast({{ expression }} as double){%- endif -%}
{%- endmacro %}

{#- text_value; NULL when it reads as the same float32 as numeric_value (MEDS-Extract's text/numeric dedup). -#}
{% macro meds_text(expression, numeric) -%}
{%- if expression is none -%}cast(null as varchar)
{%- elif numeric is none -%}cast({{ expression }} as varchar)
{%- else -%}
case
            when {{ meds_float32(expression) }} = cast({{ numeric }} as float) then null
            else cast({{ expression }} as varchar)
        end
{%- endif -%}
{%- endmacro %}

{#- The published path of a MIMIC-CXR-JPG image relative to its release root. -#}
{% macro cxr_image_relative_path(subject_id, study_id, dicom_id) -%}
    ('files/p' || substr(cast({{ subject_id }} as varchar), 1, 2) || '/p' || cast({{ subject_id }} as varchar)
        || '/s' || cast({{ study_id }} as varchar) || '/' || {{ dicom_id }} || '.jpg')
{%- endmacro %}
