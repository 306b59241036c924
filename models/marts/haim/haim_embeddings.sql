{#- HAIM's tabular embeddings: one row per (HAIM sample, chest X-ray of the sample's hospital admission) with
    the identifying and outcome columns, the demographic codes de_0..de_5, the time-series features ts_ce_*,
    ts_le_* and ts_pe_* (HAIM's rules; see the README) and the image's labels, under HAIM's column names. The
    feature column lists are generated from the seed haim_embedding_items. -#}
-- depends_on: {{ ref('haim_embedding_items') }}
{%- set series_key_of = {'chart': 'stay_id', 'lab': 'hadm_id', 'procedure': 'stay_id'} %}
{%- set families = haim_feature_families() %}
{%- set statistic_count = haim_statistics() | length %}
with

cutoffs as (
    select * from {{ ref('int_haim_image_cutoffs') }}
),

demographics as (
    select * from {{ ref('int_haim_demographic_codes') }}
),

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

images as (
    select * from {{ ref('haim_cxr') }}
),

features as (
    select * from {{ ref('int_haim_series_features') }}
)

select
    cutoffs.haim_id,
    cutoffs.subject_id,
    cutoffs.hadm_id,
    cutoffs.stay_id,
    cutoffs.img_id,
    cutoffs.img_charttime,
    {{ hours_between('cutoffs.admittime', 'cutoffs.img_charttime') }} as img_deltacharttime,
    admissions.discharge_location,
    {{ hours_between('cutoffs.img_charttime', 'cutoffs.dischtime') }} as img_length_of_stay,
    cast(coalesce(admissions.discharge_location = 'DIED', false) as integer) as death_status,
    demographics.anchor_age as de_0,
    demographics.gender_int as de_1,
    demographics.ethnicity_int as de_2,
    demographics.marital_status_int as de_3,
    demographics.language_int as de_4,
    demographics.insurance_int as de_5,
    {%- for family, prefix, item_count in families %}
        {%- for feature in range(item_count * statistic_count) %}
            {%- set item, statistic = feature // statistic_count, feature % statistic_count + 1 %}
            coalesce({{ family }}_features.item_statistics[{{ item }}][{{ statistic }}], 0) as {{ prefix }}_{{ feature }},
        {%- endfor %}
    {%- endfor %}
    images.split,
    {%- for published, staged in published_columns('mimic_cxr_jpg', 'chexpert') if staged not in ['subject_id', 'study_id'] %}
        images.{{ quoted(published) }},
    {%- endfor %}
    images.performedprocedurestepdescription,
    images.viewposition
from cutoffs
inner join admissions
    on cutoffs.hadm_id = admissions.hadm_id
inner join images
    on cutoffs.img_id = images.dicom_id
left join demographics
    on cutoffs.hadm_id = demographics.hadm_id
{%- for family, prefix, item_count in families %}
    left join features as {{ family }}_features
        on
            {{ family }}_features.family = '{{ family }}'
            and cutoffs.{{ series_key_of[family] }} = {{ family }}_features.series_key
            and cutoffs.{{ family }}_cutoff = {{ family }}_features.cutoff
{%- endfor %}
