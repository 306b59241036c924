{#- One row per ICU stay of a subject present in `subjects_relation`, numbered from 0 by
    (subject_id, hadm_id, stay_id) so the numbering is deterministic. -#}
{% macro haim_samples(subjects_relation) %}
with

cohort_subjects as (
    select distinct subject_id from {{ subjects_relation }}
),

icu_stays as (
    select * from {{ ref('stg_mimiciv_icu__icustays') }}
)

select
    cast(row_number() over (order by icu_stays.subject_id, icu_stays.hadm_id, icu_stays.stay_id) - 1 as bigint)
        as haim_id,
    icu_stays.subject_id,
    icu_stays.hadm_id,
    icu_stays.stay_id
from icu_stays
inner join cohort_subjects
    on icu_stays.subject_id = cohort_subjects.subject_id
{% endmacro %}
