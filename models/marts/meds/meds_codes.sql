{#- One row per code of meds_events with its description and parent code where the release has them: the
    dictionaries of MIMIC-IV (d_labitems, d_items, d_icd_*, d_hcpcs), the official ETL's parent-code rules
    (ICD, DRG, NDC) and fixed descriptions for the project's own families. -#}
with

events as (
    select * from {{ ref('meds_events') }}
),

d_labitems as (
    select * from {{ ref('stg_mimiciv_hosp__d_labitems') }}
),

d_items as (
    select * from {{ ref('stg_mimiciv_icu__d_items') }}
),

d_icd_diagnoses as (
    select * from {{ ref('stg_mimiciv_hosp__d_icd_diagnoses') }}
),

d_icd_procedures as (
    select * from {{ ref('stg_mimiciv_hosp__d_icd_procedures') }}
),

d_hcpcs as (
    select
        short_description,
        min(long_description) as long_description
    from {{ ref('stg_mimiciv_hosp__d_hcpcs') }}
    group by short_description
),

codes as (
    select
        code,
        min(split_part(event_source, '.', 1)) as source
    from events
    group by code
),

codes_parsed as (
    select
        code,
        source,
        split_part(code, '//', 1) as part_1,
        split_part(code, '//', 2) as part_2,
        split_part(code, '//', 3) as part_3,
        split_part(code, '//', 4) as part_4,
        split_part(code, '//', 5) as part_5
    from codes
),

codes_described as (
    select
        codes_parsed.code,
        coalesce(
            d_labitems.label,
            d_items.label,
            d_icd_diagnoses.long_title,
            d_icd_procedures.long_title,
            d_hcpcs.long_description,
            case
                when codes_parsed.code = 'MEDS_BIRTH' then 'Birth (January 1st of anchor_year - anchor_age)'
                when codes_parsed.code = 'MEDS_DEATH' then 'Death (in-hospital deathtime, else dod)'
                when codes_parsed.part_1 = 'NOTE' then 'MIMIC-IV-Note ' || lower(codes_parsed.part_2) || ' note'
                when codes_parsed.part_1 = 'CXR' and codes_parsed.part_2 = 'IMAGE'
                    then 'MIMIC-CXR-JPG image, view position ' || codes_parsed.part_3
                when codes_parsed.part_1 = 'CXR' and codes_parsed.part_2 = 'CHEXPERT'
                    then 'CheXpert label ' || codes_parsed.part_3 || ' (1 positive, 0 negative, -1 uncertain)'
                when codes_parsed.part_1 = 'REFLACX'
                    then 'REFLACX merged label ' || codes_parsed.part_2
            end
        ) as description,
        case
            when codes_parsed.source = 'hosp/labevents' and d_labitems.loinc_code is not null
                then 'LOINC/' || d_labitems.loinc_code
            when codes_parsed.source = 'hosp/diagnoses_icd'
                then {{ icd_cm_parent('codes_parsed.part_3', 'codes_parsed.part_4') }}
            when codes_parsed.source = 'ed/diagnosis'
                then {{ icd_cm_parent('codes_parsed.part_4', 'codes_parsed.part_5') }}
            when codes_parsed.source = 'hosp/procedures_icd'
                then {{ icd_procedure_parent('codes_parsed.part_3', 'codes_parsed.part_4') }}
            when codes_parsed.source = 'hosp/drgcodes'
                then
                    case when codes_parsed.part_2 = 'HCFA' then 'MS-DRG/' else 'APR-DRG/' end
                    || right('000' || codes_parsed.part_3, 3)
            when codes_parsed.source = 'hosp/emar' and codes_parsed.part_4 != 'UNK'
                then 'NDC/' || codes_parsed.part_4
            when codes_parsed.source = 'hosp/pharmacy' and codes_parsed.part_4 != 'UNK'
                then 'NDC/' || codes_parsed.part_4
        end as parent_code
    from codes_parsed
    left join d_labitems
        on
            codes_parsed.source = 'hosp/labevents'
            and codes_parsed.part_3 = cast(d_labitems.itemid as varchar)
    left join d_items
        on
            codes_parsed.source like 'icu/%'
            and cast(d_items.itemid as varchar) = case
                when codes_parsed.part_1 = 'PROCEDURE' then codes_parsed.part_3
                else codes_parsed.part_2
            end
    left join d_icd_diagnoses
        on
            codes_parsed.source in ('hosp/diagnoses_icd', 'ed/diagnosis')
            and codes_parsed.code
            = case when codes_parsed.source = 'ed/diagnosis' then 'ED//' else '' end
            || 'DIAGNOSIS//ICD//' || cast(d_icd_diagnoses.icd_version as varchar) || '//' || d_icd_diagnoses.icd_code
    left join d_icd_procedures
        on
            codes_parsed.source = 'hosp/procedures_icd'
            and codes_parsed.code = 'PROCEDURE//ICD//' || cast(d_icd_procedures.icd_version as varchar)
            || '//' || d_icd_procedures.icd_code
    left join d_hcpcs
        on
            codes_parsed.source = 'hosp/hcpcsevents'
            and codes_parsed.code = 'HCPCS//' || d_hcpcs.short_description
)

select
    code,
    min(description) as description,
    min(parent_code) as parent_code
from codes_described
group by code
