{#- REFLACX ellipse with its box, certainty and the 21 merged boolean labels. -#}
with

ellipses as (
    select * from {{ ref('stg_reflacx__anomaly_location_ellipses') }}
),

labels_wide as (
    {{ reflacx_labels_pivoted(ref('int_reflacx_ellipse_labels_merged'), ['id', 'ellipse_index'], 'ellipse') }}
)

select
    ellipses.id,
    ellipses.ellipse_index,
    ellipses.phase,
    ellipses.xmin,
    ellipses.ymin,
    ellipses.xmax,
    ellipses.ymax,
    ellipses.certainty,
    {{ reflacx_target_columns('labels_wide') }}
from ellipses
inner join labels_wide
    on
        ellipses.id = labels_wide.id
        and ellipses.ellipse_index = labels_wide.ellipse_index
