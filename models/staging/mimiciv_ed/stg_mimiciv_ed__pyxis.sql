{{ stage_source('mimiciv_ed', 'pyxis') }}
