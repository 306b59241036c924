{#- Row balance of the repair per file: rows_out must equal rows_in - rows_deleted (tested). The sums are cast
    back to bigint (sum() gives hugeint) so every count has the type of count(*). -#}
with

rows_in as (
    select
        'eye_gaze' as file,
        count(*) as n_rows
    from {{ ref('stg_eye_gaze__eye_gaze') }}
    union all
    select
        'fixations' as file,
        count(*) as n_rows
    from {{ ref('stg_eye_gaze__fixations') }}
),

rows_out as (
    select
        'eye_gaze' as file,
        count(*) as n_rows
    from {{ ref('eye_gaze_raw') }}
    union all
    select
        'fixations' as file,
        count(*) as n_rows
    from {{ ref('eye_gaze_fixations') }}
),

actions as (
    select
        file,
        cast(sum(case when action = 'deleted' then rows_affected else 0 end) as bigint) as rows_deleted,
        cast(sum(case when action = 'relabelled' then rows_affected else 0 end) as bigint) as rows_relabelled,
        cast(sum(case when action = 'calibration' then rows_affected else 0 end) as bigint) as rows_calibration,
        cast(sum(case when action = 'unresolved' then rows_affected else 0 end) as bigint) as rows_unresolved
    from {{ ref('eye_gaze_dicom_repairs') }}
    group by file
)

select
    rows_in.file,
    rows_in.n_rows as rows_in,
    coalesce(actions.rows_deleted, 0) as rows_deleted,
    coalesce(actions.rows_relabelled, 0) as rows_relabelled,
    coalesce(actions.rows_calibration, 0) as rows_calibration,
    coalesce(actions.rows_unresolved, 0) as rows_unresolved,
    rows_out.n_rows as rows_out
from rows_in
inner join rows_out
    on rows_in.file = rows_out.file
left join actions
    on rows_in.file = actions.file
