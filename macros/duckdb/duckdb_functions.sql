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

{#- DuckDB's `lambda x: ...` list functions are beyond the SQL linter's parser: each macro below fences its
    expression with noqa lines (so it must be followed by a new line's worth of SQL, as it ends with one). -#}

{#- Element-wise weighted mean of a list of equally long vectors, as np.average(vectors, axis=0, weights) computes
    it: sum of weight * value per position, divided by `weight_sum` (the weights' sum), in float64. -#}
{% macro list_weighted_mean(vectors, weights, weight_sum) %}
-- noqa: disable=all
list_transform(
    range(1, len({{ vectors }}[1]) + 1),
    lambda i: list_sum(
        list_transform(list_zip({{ vectors }}, {{ weights }}), lambda pair: cast(pair[1][i] as double) * pair[2])
    ) / {{ weight_sum }}
)
-- noqa: enable=all
{% endmacro %}

{#- A list of `length` float64 zeros (HAIM's np.zeros fallbacks). -#}
{% macro list_zeros(length) %}
-- noqa: disable=all
list_transform(range({{ length }}), lambda i: cast(0 as double))
-- noqa: enable=all
{% endmacro %}

{#- True when a list of numbers holds a NaN (HAIM's np.isnan(np.sum(...)) test). -#}
{% macro list_has_nan(values) %}
-- noqa: disable=all
list_bool_or(list_transform({{ values }}, lambda x: isnan(x)))
-- noqa: enable=all
{% endmacro %}

{#- A list of numbers as float64 values. -#}
{% macro list_as_double(values) %}
-- noqa: disable=all
list_transform({{ values }}, lambda x: cast(x as double))
-- noqa: enable=all
{% endmacro %}

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
