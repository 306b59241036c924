{#- The lake manifest `<lake_root()>/_manifest.json` (lake_root is in macros/check_lake_root.sql) as one row:
    its sha256 (of the file's bytes) and the lake's `updated_at` (the file's mtime when the manifest has none).
    The last character of the name is written as a glob class so a lake without a manifest gives no row instead of failing the build. -#}
{% macro lake_manifest() -%}
    select
        sha256(content) as manifest_sha256,
        coalesce(
            try_cast(json_extract_string(content, '$.updated_at') as timestamptz), last_modified
        ) as lake_updated_at
    from read_text('{{ lake_root() }}/_manifest.jso[n]')
{%- endmacro %}
