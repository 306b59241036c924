{#- Which lake this warehouse was built from: every exporter and `verify` compare the lake's manifest with this
    row and refuse to run when the lake changed after `dbt build`. -#}
with

lake as (
    select '{{ lake_root() }}' as lake_root
),

manifest as (
    {{ lake_manifest() }}
)

select
    lake.lake_root,
    manifest.manifest_sha256,
    manifest.lake_updated_at,
    current_timestamp as built_at
from lake
left join manifest on true
