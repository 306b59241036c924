{#- Generic tests the project needs (no dbt hub packages are reachable). Each returns the failing rows. -#}

{#- Rows where `expression` is not true (null counts as a failure). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}

{#- Combinations of `combination` (list of columns) that occur more than once. -#}
{% test unique_combination_of_columns(model, combination) %}
select
    {{ combination | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Values outside [min_value, max_value]; nulls pass (pair with not_null where needed). -#}
{% test accepted_range(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- The model has exactly as many rows as `compare_model` (optionally filtered). -#}
{% test row_count_matches(model, compare_model, compare_where='true') %}
with
model_rows as (select count(*) as n_rows from {{ model }}),
compare_rows as (select count(*) as n_rows from {{ compare_model }} where {{ compare_where }})
select
    model_rows.n_rows as model_rows,
    compare_rows.n_rows as compare_rows
from model_rows
cross join compare_rows
where model_rows.n_rows != compare_rows.n_rows
{% endtest %}

{#- The set of distinct values of `column_name` is exactly `values` (none missing, none extra). -#}
{% test distinct_values_are_exactly(model, column_name, values) %}
with
expected as (
    {% for value in values %}
    select '{{ value | replace("'", "''") }}' as expected_value{% if not loop.last %} union all{% endif %}
    {% endfor %}
),
actual as (select distinct cast({{ column_name }} as varchar) as actual_value from {{ model }})
select
    expected.expected_value,
    actual.actual_value
from expected
full outer join actual
    on expected.expected_value = actual.actual_value
where expected.expected_value is null or actual.actual_value is null
{% endtest %}

{#- The interval chosen for each image belongs to the image's subject and contains the image time: strictly or
    inclusively as the link requires, or within window_hours of it for window matches. -#}
{% test chosen_interval_contains_image(model, column_name, intervals, start_column, end_column, strict,
    window_hours=0) %}
{%- set op_low, op_high = ('>', '<') if strict else ('>=', '<=') -%}
select
    chosen.dicom_id,
    chosen.{{ column_name }}
from {{ model }} as chosen
left join {{ intervals }} as intervals
    on chosen.{{ column_name }} = intervals.{{ column_name }}
where
    chosen.{{ column_name }} is not null
    and not coalesce(
        intervals.subject_id = chosen.subject_id
        and (
            (
                chosen.match_kind = 'within'
                and chosen.image_time {{ op_low }} intervals.{{ start_column }}
                and chosen.image_time {{ op_high }} intervals.{{ end_column }}
            )
            or (
                chosen.match_kind = 'window'
                and chosen.image_time >= {{ add_hours('intervals.' ~ start_column, -(window_hours | float)) }}
                and chosen.image_time <= {{ add_hours('intervals.' ~ end_column, window_hours | float) }}
            )
        ),
        false
    )
{% endtest %}

{#- One row when the model's row count differs from compare_model's. -#}
{% test equal_row_count(model, compare_model) %}
select model_rows, compare_rows
from (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_model }}) as compare_rows
)
where model_rows != compare_rows
{% endtest %}
