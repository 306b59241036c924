{#- MEDS events of the MIMIC-CXR-JPG CheXpert labels: one per study and labelled finding (1, 0 or -1) at the
    study time (its earliest image time, floored to the second like the image events). -#}
with

chexpert as (
    select * from {{ ref('stg_mimic_cxr_jpg__chexpert') }}
),

images as (
    select * from {{ ref('cxr_images_linked') }}
),

study_times as (
    select
        study_id,
        date_trunc('second', min(image_time)) as study_time
    from images
    group by study_id
),

chexpert_timed as (
    select
        chexpert.*,
        study_times.study_time
    from chexpert
    left join study_times
        on chexpert.study_id = study_times.study_id
)

{{ meds_events('chexpert_timed') }}
