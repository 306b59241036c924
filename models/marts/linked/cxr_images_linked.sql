{#- Every CXR image with its ED stay, hospital admission, ICU stay, triage vitals, labels, split and
    eye-tracking membership. -#}
with

images as (
    select * from {{ ref('int_cxr_images_timed') }}
),

ed_stays as (
    select * from {{ ref('int_cxr_ed_stays_matched') }}
),

admissions as (
    select * from {{ ref('int_cxr_admissions_matched') }}
),

icu_stays as (
    select * from {{ ref('int_cxr_icu_stays_matched') }}
),

triage as (
    select * from {{ ref('stg_mimiciv_ed__triage') }}
),

chexpert as (
    select * from {{ ref('stg_mimic_cxr_jpg__chexpert') }}
),

negbio as (
    select * from {{ ref('stg_mimic_cxr_jpg__negbio') }}
),

splits as (
    select * from {{ ref('stg_mimic_cxr_jpg__split') }}
),

reflacx_images as (
    select distinct dicom_id from {{ ref('stg_reflacx__metadata') }}
),

eye_gaze_images as (
    select distinct dicom_id from {{ ref('stg_eye_gaze__master_sheet') }}
),

jpg_files as (
    select
        dicom_id,
        min(abs_path) as jpg_path
    from {{ ref('stg_mimic_cxr_jpg__image_files') }}
    group by dicom_id
)

select
    images.dicom_id,
    images.subject_id,
    images.study_id,
    images.view_position,
    images.image_time,
    ed_stays.stay_id as ed_stay_id,
    ed_stays.match_kind as ed_match,
    ed_stays.n_candidates as ed_candidates,
    ed_stays.distance_hours as ed_distance_hours,
    admissions.hadm_id,
    admissions.match_kind as hadm_match,
    icu_stays.stay_id as icu_stay_id,
    icu_stays.match_kind as icu_match,
    {{ prefixed_columns('mimiciv_ed', 'triage', 'triage', 'triage_', exclude=['subject_id', 'stay_id']) }},
    {{ prefixed_columns('mimic_cxr_jpg', 'chexpert', 'chexpert', 'chexpert_', exclude=['subject_id', 'study_id']) }},
    {{ prefixed_columns('mimic_cxr_jpg', 'negbio', 'negbio', 'negbio_', exclude=['subject_id', 'study_id']) }},
    splits.split,
    reflacx_images.dicom_id is not null as in_reflacx,
    eye_gaze_images.dicom_id is not null as in_eye_gaze,
    jpg_files.jpg_path
from images
left join ed_stays
    on images.dicom_id = ed_stays.dicom_id
left join admissions
    on images.dicom_id = admissions.dicom_id
left join icu_stays
    on images.dicom_id = icu_stays.dicom_id
left join triage
    on ed_stays.stay_id = triage.stay_id
left join chexpert
    on images.study_id = chexpert.study_id
left join negbio
    on images.study_id = negbio.study_id
left join splits
    on images.dicom_id = splits.dicom_id
left join reflacx_images
    on images.dicom_id = reflacx_images.dicom_id
left join eye_gaze_images
    on images.dicom_id = eye_gaze_images.dicom_id
left join jpg_files
    on images.dicom_id = jpg_files.dicom_id
