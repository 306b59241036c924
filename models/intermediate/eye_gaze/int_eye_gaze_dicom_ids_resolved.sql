{#- One row per (file, SESSION_ID, MEDIA_ID, DICOM_ID) whose DICOM_ID is not in the MIMIC-CXR-JPG metadata, with
    its repair. A truncated ID is repaired to the single valid ID it is a prefix of, looking first among the
    master sheet's images, then among all images; the truncated rows are deleted when rows with the valid ID exist
    for the same file/session/media (they are duplicates) and relabelled otherwise. -#}
with

valid_ids as (
    select distinct dicom_id
    from {{ ref('stg_mimic_cxr_jpg__metadata') }}
),

master_sheet_ids as (
    select distinct master_sheet.dicom_id
    from {{ ref('stg_eye_gaze__master_sheet') }} as master_sheet
    inner join valid_ids
        on master_sheet.dicom_id = valid_ids.dicom_id
),

gaze_keys as (
    {% for file_name in ['eye_gaze', 'fixations'] %}
        select
            '{{ file_name }}' as file,
            session_id,
            media_id,
            dicom_id as original_id,
            count(*) as n_rows
        from {{ ref('stg_eye_gaze__' ~ file_name) }}
        group by session_id, media_id, dicom_id
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

invalid_keys as (
    select
        gaze_keys.file,
        gaze_keys.session_id,
        gaze_keys.media_id,
        gaze_keys.original_id,
        gaze_keys.n_rows,
        coalesce(right(gaze_keys.original_id, 12) = '_calibration', false) as is_calibration
    from gaze_keys
    left join valid_ids
        on gaze_keys.original_id = valid_ids.dicom_id
    where valid_ids.dicom_id is null
),

invalid_ids as (
    select distinct original_id
    from invalid_keys
    where not is_calibration and original_id is not null
),

master_sheet_matches as (
    select
        invalid_ids.original_id,
        count(*) as n_matches,
        min(master_sheet_ids.dicom_id) as matched_id
    from invalid_ids
    inner join master_sheet_ids
        on {{ starts_with('master_sheet_ids.dicom_id', 'invalid_ids.original_id') }}
    group by invalid_ids.original_id
),

metadata_matches as (
    select
        invalid_ids.original_id,
        count(*) as n_matches,
        min(valid_ids.dicom_id) as matched_id
    from invalid_ids
    inner join valid_ids
        on {{ starts_with('valid_ids.dicom_id', 'invalid_ids.original_id') }}
    group by invalid_ids.original_id
),

resolved_ids as (
    select
        invalid_ids.original_id,
        case
            when master_sheet_matches.n_matches = 1 then master_sheet_matches.matched_id
            when master_sheet_matches.n_matches is null and metadata_matches.n_matches = 1
                then metadata_matches.matched_id
        end as repaired_id,
        coalesce(master_sheet_matches.n_matches, metadata_matches.n_matches, 0) as n_matches
    from invalid_ids
    left join master_sheet_matches
        on invalid_ids.original_id = master_sheet_matches.original_id
    left join metadata_matches
        on invalid_ids.original_id = metadata_matches.original_id
)

select
    invalid_keys.file,
    invalid_keys.session_id,
    invalid_keys.media_id,
    invalid_keys.original_id,
    resolved_ids.repaired_id,
    case
        when invalid_keys.is_calibration then 'calibration'
        when resolved_ids.repaired_id is null then 'unresolved'
        when valid_twins.original_id is not null then 'deleted'
        else 'relabelled'
    end as action,
    coalesce(resolved_ids.n_matches, 0) as n_prefix_matches,
    invalid_keys.n_rows as rows_affected
from invalid_keys
left join resolved_ids
    on invalid_keys.original_id = resolved_ids.original_id
left join gaze_keys as valid_twins
    on
        invalid_keys.file = valid_twins.file
        and invalid_keys.session_id is not distinct from valid_twins.session_id
        and invalid_keys.media_id is not distinct from valid_twins.media_id
        and resolved_ids.repaired_id = valid_twins.original_id
