{#- MEDS events of hosp/pharmacy (start and stop), with the NDC of the order's MAIN prescription line. -#}
with

pharmacy as (
    select * from {{ ref('stg_mimiciv_hosp__pharmacy') }}
),

main_ndc as (
    select * from {{ ref('int_meds_prescription_main_ndc') }}
),

pharmacy_with_ndc as (
    select
        pharmacy.*,
        case when coalesce(main_ndc.ndc, '0') = '0' then 'UNK' else main_ndc.ndc end as ndc_clean
    from pharmacy
    left join main_ndc
        on pharmacy.pharmacy_id = main_ndc.pharmacy_id
)

{{ meds_events('pharmacy_with_ndc') }}
