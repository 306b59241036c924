{#- The NDC of every MAIN line of hosp/prescriptions, per pharmacy_id (several MAIN lines keep several rows, as
    the official ETL's join does), written as the official ETL reads it. -#}
with

prescriptions as (
    select * from {{ ref('stg_mimiciv_hosp__prescriptions') }}
),

ndc_as_read as (
    select
        pharmacy_id,
        drug_type,
        {{ polars_csv_text('ndc') }} as ndc
    from prescriptions
)

select
    pharmacy_id,
    ndc
from ndc_as_read
where drug_type = 'MAIN'
