{#- MEDS events of MIMIC-CXR-JPG images: one per image at the image time, with the image's path relative to
    the release root and the project's linkage (admission, ICU stay, ED stay). Times are floored to the second,
    as every MIMIC-IV time is: ACES 0.7 drops every cohort row of a subject with one sub-second time. -#}
with

images as (
    select * from {{ ref('cxr_images_linked') }}
),

image_files as (
    select
        dicom_id,
        min(path) as image_path
    from {{ ref('stg_mimic_cxr_jpg__image_files') }}
    group by dicom_id
),

images_located as (
    select
        images.*,
        date_trunc('second', images.image_time) as event_time,
        coalesce(
            image_files.image_path,
            {{ cxr_image_relative_path('images.subject_id', 'images.study_id', 'images.dicom_id') }}
        ) as image_path
    from images
    left join image_files
        on images.dicom_id = image_files.dicom_id
)

{{ meds_events('images_located') }}
