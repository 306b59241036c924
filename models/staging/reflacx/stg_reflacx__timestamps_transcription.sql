{{ stage_source('reflacx', 'timestamps_transcription') }}
