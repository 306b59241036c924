{#- MEDS events of hosp/emar, with the NDC of the order's MAIN prescription line. -#}
with

emar as (
    select * from {{ ref('stg_mimiciv_hosp__emar') }}
),

main_ndc as (
    select * from {{ ref('int_meds_prescription_main_ndc') }}
),

emar_with_ndc as (
    select
        emar.*,
        case when coalesce(main_ndc.ndc, '0') = '0' then 'UNK' else main_ndc.ndc end as ndc_clean
    from emar
    left join main_ndc
        on emar.pharmacy_id = main_ndc.pharmacy_id
)

{{ meds_events('emar_with_ndc') }}
