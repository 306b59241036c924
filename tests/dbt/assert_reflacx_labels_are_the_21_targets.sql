-- The merged labels are exactly the 21 target names, the same for every case, in the seed's order.
with

expected as (
    select distinct
        target_label as label,
        target_position
    from {{ ref('reflacx_label_map') }}
),

per_case as (
    select
        id,
        count(*) as n_labels,
        count(distinct label) as n_distinct
    from {{ ref('reflacx_labels_long') }}
    group by id
),

unexpected_labels as (
    select distinct long_labels.label
    from {{ ref('reflacx_labels_long') }} as long_labels
    left join expected
        on long_labels.label = expected.label
    where expected.label is null
)

select
    'target count' as problem,
    cast(count(*) as varchar) as detail
from expected
having count(*) != 21
union all
select
    'label not a target' as problem,
    label as detail
from unexpected_labels
union all
select
    'case without 21 labels' as problem,
    id as detail
from per_case
where n_labels != 21 or n_distinct != 21
