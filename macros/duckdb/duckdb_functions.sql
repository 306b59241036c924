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

{#- `expression` read as a float32, NULL when it is not a number. -#}
{% macro meds_float32(expression) -%}
    try_cast(cast({{ expression }} as varchar) as float)
{%- endmacro %}

{#- A text column as the official MEDS ETL sees it after reading the CSV with polars' type inference over the
    whole file: when every non-NULL value of the column (over the whole relation) is an integer, polars types
    it Int64 and renders it without leading zeros ('00904' -> '904'); otherwise the text is kept. -#}
{% macro polars_csv_text(column) -%}
    case
        when bool_and({{ column }} is null or regexp_full_match({{ column }}, '-?[0-9]+')) over ()
            then cast(try_cast({{ column }} as hugeint) as varchar)
        else {{ column }}
    end
{%- endmacro %}

{#- January 1st, 00:00 of `year` (an integer expression). -#}
{% macro year_start(year) -%}
    make_timestamp(cast({{ year }} as bigint), 1, 1, 0, 0, 0)
{%- endmacro %}
