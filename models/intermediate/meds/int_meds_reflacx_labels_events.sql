{#- MEDS events of the REFLACX merged labels: one per case and present label (certainty 1-5, a true flag, or
    the `Other` text) at the time of the case's image (floored to the second like the image events). -#}
with

labels as (
    select * from {{ ref('reflacx_labels_long') }}
),

images as (
    select * from {{ ref('cxr_images_linked') }}
),

labels_timed as (
    select
        labels.*,
        images.study_id,
        date_trunc('second', images.image_time) as event_time,
        case
            when labels.label_kind = 'certainty' then labels.certainty
            when labels.label_kind = 'boolean' then cast(labels.flag as integer)
        end as label_value
    from labels
    left join images
        on labels.dicom_id = images.dicom_id
)

{{ meds_events('labels_timed') }}
