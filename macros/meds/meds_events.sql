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
        {%- if execute and not events -%}
            {{ exceptions.raise_compiler_error('meds_events: ' ~ model.name ~ ' lists no meds_events in its yml') }}
        {%- endif -%}
        {%- set selects = [] -%}
        {%- for event in events -%}
            {%- do selects.append(meds_event_select(prepared, meta.get('meds_source', model.name), event)) -%}
        {%- endfor -%}
        {{ selects | join('\nunion all\n') }}
    {%- endif -%}
{% endmacro %}

{#- One event block: the distinct rows (over every column the official ETL writes for it) with a code and, unless
    static, a time. -#}
{% macro meds_event_select(prepared, source, event) %}
    {%- set links = [] -%}
    {%- set outer = [] -%}
    {%- for column, type in meds_link_columns() -%}
        {%- do links.append('cast(' ~ event.get('link', {}).get(column, 'null') ~ ' as ' ~ type ~ ') as ' ~ column) -%}
        {%- do outer.append(column) -%}
    {%- endfor -%}
    {%- for kept in event.get('keep', []) -%}
        {%- do links.append(kept ~ ' as keep_' ~ loop.index) -%}
    {%- endfor -%}
    {%- set filters = ['code is not null'] -%}
    {%- if event.get('time') is not none -%}{%- do filters.append('time is not null') -%}{%- endif -%}
select
    subject_id,
    time,
    code,
    numeric_value,
    text_value,
    {{ outer | join(', ') }},
    '{{ source }}.{{ event.name }}' as event_source
from (
    select distinct
        cast(subject_id as bigint) as subject_id,
        {{ meds_time(event.get('time')) }} as time,
        {{ meds_code(event.code) }} as code,
        {{ meds_numeric(event.get('numeric')) }} as numeric_value,
        {{ meds_text(event.get('text'), event.get('numeric')) }} as text_value,
        {{ links | join(',\n        ') }}
    from {{ prepared }}
    where {{ event.get('where', 'true') }}
) as {{ event.name }}_rows
where {{ filters | join(' and ') }}
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
    {%- if pieces[0] -%}{%- do parts.append("'" ~ pieces[0] | replace("'", "''") ~ "'") -%}{%- endif -%}
    {%- for piece in pieces[1:] -%}
        {%- set inner, rest = piece.split('}', 1) -%}
        {%- if '??' in inner -%}
            {%- set column, fallback = inner.split('??', 1) -%}
            {%- do parts.append("coalesce(cast(" ~ column.strip() ~ " as varchar), '" ~ fallback.strip() ~ "')") -%}
        {%- else -%}
            {%- do parts.append("cast(" ~ inner.strip() ~ " as varchar)") -%}
        {%- endif -%}
        {%- if rest -%}{%- do parts.append("'" ~ rest | replace("'", "''") ~ "'") -%}{%- endif -%}
    {%- endfor -%}
    {{ '(' ~ parts | join(' || ') ~ ')' }}
{%- endmacro %}

{% macro meds_time(expression) -%}
    {{ 'cast(null as timestamp)' if expression is none else 'cast(' ~ expression ~ ' as timestamp)' }}
{%- endmacro %}

{% macro meds_numeric(expression) -%}
    {{ 'cast(null as double)' if expression is none else 'cast(' ~ expression ~ ' as double)' }}
{%- endmacro %}

{#- text_value; NULL when it reads as the same float32 as numeric_value (MEDS-Extract's text/numeric dedup). -#}
{% macro meds_text(expression, numeric) -%}
    {%- if expression is none -%}
        {{ 'cast(null as varchar)' }}
    {%- elif numeric is none -%}
        {{ 'cast(' ~ expression ~ ' as varchar)' }}
    {%- else -%}
        {{ 'case when ' ~ meds_float32(expression) ~ ' = cast(' ~ numeric ~ ' as float) then null else cast('
           ~ expression ~ ' as varchar) end' }}
    {%- endif -%}
{%- endmacro %}

{#- The published path of a MIMIC-CXR-JPG image relative to its release root. -#}
{% macro cxr_image_relative_path(subject_id, study_id, dicom_id) -%}
    ('files/p' || substr(cast({{ subject_id }} as varchar), 1, 2) || '/p' || cast({{ subject_id }} as varchar)
        || '/s' || cast({{ study_id }} as varchar) || '/' || {{ dicom_id }} || '.jpg')
{%- endmacro %}

{#- The official ETL's parent code of an ICD diagnosis: ICD{version}CM/ with the dot after position 3 (after 4
    for ICD-9 E-codes); codes no longer than that stay undotted. -#}
{% macro icd_cm_parent(version, code) -%}
    case
        when {{ code }} is null or {{ version }} is null then null
        when cast({{ version }} as varchar) = '9' and substr({{ code }}, 1, 1) = 'E' and length({{ code }}) > 4
            then 'ICD9CM/' || substr({{ code }}, 1, 4) || '.' || substr({{ code }}, 5)
        when cast({{ version }} as varchar) = '9' and substr({{ code }}, 1, 1) = 'E' then 'ICD9CM/' || {{ code }}
        when length({{ code }}) > 3
            then 'ICD' || cast({{ version }} as varchar) || 'CM/' || substr({{ code }}, 1, 3) || '.'
            || substr({{ code }}, 4)
        else 'ICD' || cast({{ version }} as varchar) || 'CM/' || {{ code }}
    end
{%- endmacro %}

{#- The official ETL's parent code of an ICD procedure: ICD9Proc/ dotted after position 2, ICD10PCS/ as is. -#}
{% macro icd_procedure_parent(version, code) -%}
    case
        when cast({{ version }} as varchar) = '9' and length({{ code }}) > 2
            then 'ICD9Proc/' || substr({{ code }}, 1, 2) || '.' || substr({{ code }}, 3)
        when cast({{ version }} as varchar) = '9' then 'ICD9Proc/' || {{ code }}
        when cast({{ version }} as varchar) = '10' then 'ICD10PCS/' || {{ code }}
    end
{%- endmacro %}
