import { PartialType } from '@nestjs/swagger';
import { CreateWebhookDto } from './create-webhook.dto';

/** Any subset of the fields; the lists are replaced whole. */
export class UpdateWebhookDto extends PartialType(CreateWebhookDto) {}
