-- Every ambiguous ED match has at least two within-stay candidates kept for inspection, and every within match
-- exactly one.
with

within_counts as (
    select
        dicom_id,
        sum(case when is_within then 1 else 0 end) as n_within
    from {{ ref('int_cxr_ed_candidates_paired') }}
    group by dicom_id
)

select
    matched.dicom_id,
    matched.match_kind,
    within_counts.n_within
from {{ ref('int_cxr_ed_stays_matched') }} as matched
left join within_counts
    on matched.dicom_id = within_counts.dicom_id
where
    (matched.match_kind = 'ambiguous' and coalesce(within_counts.n_within, 0) < 2)
    or (matched.match_kind = 'within' and within_counts.n_within != 1)
