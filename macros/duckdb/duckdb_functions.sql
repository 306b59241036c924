{#- DuckDB-specific functions, kept here so the models stay portable: another adapter only has to override
    these macros. -#}

{#- MIMIC-CXR StudyDate (integer YYYYMMDD) + StudyTime (float HHMMSS.fff written without leading zeros) as a
    TIMESTAMP: the integer part is zero-padded to 6 digits (the reference concatenation loses every image before
    10:00) and the fraction is kept to the microsecond. -#}
{% macro cxr_study_datetime(date_column, time_column) -%}
    (strptime(
        cast({{ date_column }} as varchar)
        || lpad(cast(cast(floor({{ time_column }}) as bigint) as varchar), 6, '0'),
        '%Y%m%d%H%M%S'
    ) + to_microseconds(cast(round(({{ time_column }} - floor({{ time_column }})) * 1000000) as bigint)))
{%- endmacro %}

{#- Signed hours from `start_ts` to `end_ts` (fractional). -#}
{% macro hours_between(start_ts, end_ts) -%}
    ((epoch_us({{ end_ts }}) - epoch_us({{ start_ts }})) / 3600000000.0)
{%- endmacro %}

{#- `ts` shifted by a number of hours (may be fractional or negative). -#}
{% macro add_hours(ts, hours) -%}
    ({{ ts }} + to_microseconds(cast(round({{ hours }} * 3600000000.0) as bigint)))
{%- endmacro %}

{#- `value` begins with `prefix` and is longer than it. -#}
{% macro starts_with(value, prefix) -%}
    (starts_with({{ value }}, {{ prefix }}) and length({{ value }}) > length({{ prefix }}))
{%- endmacro %}
