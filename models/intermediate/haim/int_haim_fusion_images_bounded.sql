{{ config(materialized='view') }}
{#- For every HAIM row (sample, image of its admission: int_haim_image_cutoffs) the images HAIM's time bound
    keeps in the sample's `cxr`: every image of the subject (any admission) taken at or before the row image's
    floored minute, or without a time (HAIM keeps NaN times; var haim_time_bound = strict drops them), with
    its hours since the row's admittime from its floored time (HAIM's cxr deltacharttime) and its position in
    the pickle's cxr order (image time, then dicom_id). -#}
with

cutoffs as (
    select * from {{ ref('int_haim_image_cutoffs') }}
),

images as (
    select
        dicom_id,
        subject_id,
        charttime,
        row_number() over (partition by subject_id order by cxrtime asc nulls last, dicom_id asc) as cxr_position
    from {{ ref('haim_cxr') }}
)

select
    cutoffs.haim_id,
    cutoffs.img_id,
    images.dicom_id as bounded_dicom_id,
    images.cxr_position,
    {{ hours_between('cutoffs.admittime', 'images.charttime') }} as bounded_deltacharttime
from cutoffs
inner join images
    on
        cutoffs.subject_id = images.subject_id
        and (
            images.charttime <= cutoffs.img_charttime
            {%- if haim_time_bound() == 'reference' %}
                or images.charttime is null
            {%- endif %}
        )
