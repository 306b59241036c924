{#- The lake root every source reads: --vars lake_root, else env MIMIC_LAKE, else build/lake under the project
    directory. Staging views store the path, so it must be absolute: the default is resolved against the project
    directory (sources yml cannot call macros, so they render the relative default and stage_source resolves it
    through lake_location); a relative path given explicitly is refused, since it is ambiguous. -#}
{% macro lake_root() %}
    {%- set given = var('lake_root', env_var('MIMIC_LAKE', '')) -%}
    {{- return(given if given else project_path('build/lake')) -}}
{% endmacro %}

{#- A path under the project directory, absolute (dbt runs from it, or gets --project-dir). -#}
{% macro project_path(relative) %}
    {%- set project_dir = invocation_args_dict.get('project_dir') -%}
    {{- return((project_dir | string).rstrip('/') ~ '/' ~ relative) -}}
{% endmacro %}

{#- A source relation as staging reads it: the rendered `'<lake>/<module>/<table>.parquet'`, with the relative
    default lake resolved against the project directory. -#}
{% macro lake_location(relation) %}
    {%- set location = relation | string -%}
    {%- if location.startswith("'") and not location.startswith("'/") -%}
        {%- set location = "'" ~ project_path(location[1:]) -%}
    {%- endif -%}
    {{- return(location) -}}
{% endmacro %}

{#- on-run-start: staging views store the lake path, so a relative one would break as soon as the warehouse is
    opened from another directory. Fail before anything is built. -#}
{% macro check_lake_root() %}
    {%- set root = lake_root() | string -%}
    {%- if not root.startswith('/') -%}
        {{ exceptions.raise_compiler_error(
            "var lake_root / env MIMIC_LAKE must be an absolute path (staging views store it), got '"
            ~ root ~ "'") }}
    {%- endif -%}
    select 1
{% endmacro %}
