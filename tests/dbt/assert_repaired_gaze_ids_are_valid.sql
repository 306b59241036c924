-- After repair, every DICOM_ID in the repaired gaze marts is a CXR image, a calibration screen, or an ID the audit
-- reports as unresolved.
with

repaired_rows as (
    select
        'fixations' as file,
        session_id,
        media_id,
        dicom_id
    from {{ ref('eye_gaze_fixations') }}
    union all
    select
        'eye_gaze' as file,
        session_id,
        media_id,
        dicom_id
    from {{ ref('eye_gaze_raw') }}
),

metadata as (
    select dicom_id from {{ ref('stg_mimic_cxr_jpg__metadata') }}
),

kept_invalid as (
    select
        file,
        session_id,
        media_id,
        original_id
    from {{ ref('eye_gaze_dicom_repairs') }}
    where action in ('calibration', 'unresolved')
)

select
    repaired_rows.file,
    repaired_rows.session_id,
    repaired_rows.media_id,
    repaired_rows.dicom_id
from repaired_rows
left join metadata
    on repaired_rows.dicom_id = metadata.dicom_id
left join kept_invalid
    on
        repaired_rows.file = kept_invalid.file
        and repaired_rows.session_id is not distinct from kept_invalid.session_id
        and repaired_rows.media_id is not distinct from kept_invalid.media_id
        and repaired_rows.dicom_id = kept_invalid.original_id
where metadata.dicom_id is null and kept_invalid.original_id is null
