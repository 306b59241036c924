{{ mimic_view('mimiciv_ed', 'pyxis') }}
