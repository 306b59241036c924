{#- One row per CXR image with its acquisition time recomputed from the raw StudyDate/StudyTime. -#}
with

metadata as (
    select * from {{ ref('stg_mimic_cxr_jpg__metadata') }}
)

select
    dicom_id,
    subject_id,
    study_id,
    view_position,
    study_date,
    study_time,
    {{ cxr_study_datetime('study_date', 'study_time') }} as image_time,
    study_datetime as converter_study_datetime
from metadata
