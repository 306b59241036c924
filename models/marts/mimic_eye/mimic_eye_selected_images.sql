{#- Images selected for MIMIC-Eye: every dicom_id in REFLACX or the EyeGaze master sheet. Kept even when the
    image is missing from the CXR-JPG metadata (in_cxr_metadata = false) so nothing is dropped silently. -#}
with

reflacx_images as (
    select distinct
        dicom_id,
        subject_id
    from {{ ref('stg_reflacx__metadata') }}
),

eye_gaze_images as (
    select distinct
        dicom_id,
        patient_id as subject_id
    from {{ ref('stg_eye_gaze__master_sheet') }}
),

selected as (
    select dicom_id from reflacx_images
    union
    select dicom_id from eye_gaze_images
),

metadata as (
    select * from {{ ref('stg_mimic_cxr_jpg__metadata') }}
)

select
    selected.dicom_id,
    coalesce(metadata.subject_id, min(reflacx_images.subject_id), min(eye_gaze_images.subject_id)) as subject_id,
    metadata.study_id,
    count(reflacx_images.dicom_id) > 0 as in_reflacx,
    count(eye_gaze_images.dicom_id) > 0 as in_eye_gaze,
    metadata.dicom_id is not null as in_cxr_metadata
from selected
left join reflacx_images
    on selected.dicom_id = reflacx_images.dicom_id
left join eye_gaze_images
    on selected.dicom_id = eye_gaze_images.dicom_id
left join metadata
    on selected.dicom_id = metadata.dicom_id
group by selected.dicom_id, metadata.subject_id, metadata.study_id, metadata.dicom_id
