{#- The rows of one EyeGaze gaze file (eye_gaze | fixations) after DICOM_ID repair, under the published column
    names: repaired IDs relabelled, the truncated duplicates of existing rows deleted, everything else as is. -#}
{% macro eye_gaze_repaired(file_name) %}
with

gaze_rows as (
    select * from {{ ref('stg_eye_gaze__' ~ file_name) }}
),

repairs as (
    select * from {{ ref('int_eye_gaze_dicom_ids_resolved') }}
    where file = '{{ file_name }}'
)

select
    {{ select_published('eye_gaze', file_name, 'gaze_rows',
        overrides={'dicom_id': 'coalesce(repairs.repaired_id, gaze_rows.dicom_id)'}) }}
from gaze_rows
left join repairs
    on
        gaze_rows.session_id is not distinct from repairs.session_id
        and gaze_rows.media_id is not distinct from repairs.media_id
        and gaze_rows.dicom_id = repairs.original_id
where repairs.action is null or repairs.action != 'deleted'
{% endmacro %}
