{#- on-run-start: staging views store the lake path, so a relative one would break as soon as the warehouse is
    opened from another directory. Fail before anything is built. -#}
{% macro check_lake_root() %}
    {%- set root = var('lake_root', env_var('MIMIC_LAKE', 'build/lake')) -%}
    {%- if not root.startswith('/') -%}
        {{ exceptions.raise_compiler_error(
            "var lake_root / env MIMIC_LAKE must be an absolute path (staging views store it), got '"
            ~ root ~ "'") }}
    {%- endif -%}
    select 1
{% endmacro %}
