{{ mimic_view('mimiciv_ed', 'vitalsign') }}
