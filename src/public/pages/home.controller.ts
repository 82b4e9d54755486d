import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/public.decorator';
import { AppConfig } from '../../config/app-config';
import { homePage } from './home-page';
import { sendPage } from './layout';

/**
 * The service's own address, which the start-up banner prints. A fixed page that reads nothing: not counted
 * against the public rate limit, so that a monitor polling it takes nothing from a visitor's budget.
 */
@Public()
@ApiTags('pages')
@ApiProduces('text/html')
@Controller()
export class HomeController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'The service’s own address: where customers book and where the API is (HTML)' })
  @ApiResponse({ status: 200, description: 'text/html' })
  async home(@Res() reply: FastifyReply): Promise<void> {
    await sendPage(reply, 200, homePage(this.config.siteName), this.config.publicFrameAncestors);
  }
}
