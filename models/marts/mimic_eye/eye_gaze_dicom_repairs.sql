{#- Audit: every invalid DICOM_ID per file/session/media, its repair, the action and the rows affected. -#}
select
    file,
    session_id,
    media_id,
    original_id,
    repaired_id,
    action,
    n_prefix_matches,
    rows_affected
from {{ ref('int_eye_gaze_dicom_ids_resolved') }}
