{#- One row per admission with HAIM's demographic inputs: anchor_age and the integer codes of gender, ethnicity
    (race from MIMIC-IV 2.0 on), marital status, language and insurance. A code is the value's 0-based byte-order
    rank among the distinct non-NULL values of the column over the whole release, NULL -> -1, as pandas
    `category` codes over HAIM's core table do. -#}
{%- set admission_codes = [
    ('ethnicity_int', 'race'),
    ('marital_status_int', 'marital_status'),
    ('language_int', 'language'),
    ('insurance_int', 'insurance'),
] -%}
with

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

patients as (
    select * from {{ ref('stg_mimiciv_hosp__patients') }}
),

-- HAIM's core table inner-joins patients to admissions: only admitted patients' genders are categories.
admitted_patients as (
    select patients.*
    from patients
    where patients.subject_id in (select admissions.subject_id from admissions)
),

gender_codes as (
    {{ haim_category_codes('admitted_patients', 'gender') }}
),

{% for code_name, column in admission_codes %}
    {{ column }}_codes as (
        {{ haim_category_codes('admissions', column) }}
    ){% if not loop.last %},{% endif %}

{% endfor %}
select
    admissions.subject_id,
    admissions.hadm_id,
    patients.anchor_age,
    coalesce(gender_codes.category_code, -1) as gender_int,
    {%- for code_name, column in admission_codes %}
        coalesce({{ column }}_codes.category_code, -1) as {{ code_name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from admissions
left join patients
    on admissions.subject_id = patients.subject_id
left join gender_codes
    on patients.gender = gender_codes.category_value
{%- for code_name, column in admission_codes %}
    left join {{ column }}_codes
        on admissions.{{ column }} = {{ column }}_codes.category_value
{%- endfor %}
