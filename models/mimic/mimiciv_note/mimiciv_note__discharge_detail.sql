{{ mimic_view('mimiciv_note', 'discharge_detail') }}
