{{ mimic_view('mimiciv_ed', 'edstays') }}
